import StrataCore
import Testing

@Suite("ValidationError")
struct ValidationErrorTests {
    @Test func carriesItsContext() {
        let error = ValidationError(field: "price", value: "-1", rule: .nonPositive, detail: "must be > 0", index: 3)
        #expect(error.field == "price")
        #expect(error.value == "-1")
        #expect(error.rule == .nonPositive)
        #expect(error.detail == "must be > 0")
        #expect(error.index == 3)
    }

    @Test func description() {
        #expect(
            ValidationError(field: "price", value: "-1", rule: .nonPositive).description
                == #"price: "-1" must be greater than zero"#)
        #expect(
            ValidationError(field: "price", value: "-1", rule: .nonPositive, detail: "must be > 0").description
                == #"price: "-1" must be greater than zero (must be > 0)"#)
        #expect(
            ValidationError(field: "qty", value: "x", rule: .notANumber, detail: "d", index: 7).description
                == #"qty: "x" is not a number (d) [row 7]"#)
        #expect(
            ValidationError(field: "f", value: "", rule: .malformed, index: 0).description
                == #"f: "" is malformed [row 0]"#)
    }

    @Test func rulesHaveStableNames() {
        #expect(
            ValidationError.Rule.allCases.map(\.rawValue) == [
                "nonPositive", "negative", "notFinite", "outsideWindow", "malformedSymbol", "notANumber", "tooPrecise",
                "overflow", "badTimestamp", "badBoolean", "malformed", "inconsistent", "outOfRange",
            ])
        for rule in ValidationError.Rule.allCases { #expect(ValidationError.Rule(rawValue: rule.rawValue) == rule) }
    }

    @Test func equalityCoversEveryField() {
        let base = ValidationError(field: "a", value: "b", rule: .negative, detail: "c", index: 1)
        #expect(base == ValidationError(field: "a", value: "b", rule: .negative, detail: "c", index: 1))
        var changed = base
        changed.index = 2
        #expect(base != changed)
        changed = base
        changed.detail = nil
        #expect(base != changed)
        changed = base
        changed.rule = .overflow
        #expect(base != changed)
    }

    @Test func isThrowable() {
        let error = #expect(throws: ValidationError.self) {
            throw ValidationError(field: "a", value: "b", rule: .badBoolean)
        }
        #expect(error?.rule == .badBoolean)
    }
}
