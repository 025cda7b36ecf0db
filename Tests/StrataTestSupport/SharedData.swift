public import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the tests run under CI (`CI=true`), where nothing a test needs may be missing: the
/// shared data, the PostgreSQL, Redis and ClickHouse servers `.ci/run` starts. A test that would
/// skip locally fails there instead.
public var runningUnderCI: Bool {
    guard let value = getenv("CI") else { return false }
    return String(cString: value).lowercased() == "true"
}

/// The real market data and protocol vectors of `shared/data` (each folder says what it is and
/// its licence), found one way for every test target: `$STRATA_SHARED_DATA`, else
/// `../shared/data` beside the checkout.
///
/// A test that reads it carries ``SharedData/required``: where the folder is missing it is
/// skipped with a message saying what is missing and how to provide it — except under
/// `CI=true`, where it runs and fails, so a CI machine without the fixtures cannot pass silently.
public enum SharedData {
    /// The folder, whether or not it exists.
    public static let directory: String = {
        if let value = getenv("STRATA_SHARED_DATA"), value.pointee != 0 { return String(cString: value) }
        // Tests/StrataTestSupport/SharedData.swift → the checkout → its parent.
        var path = #filePath
        for _ in 0..<4 {
            guard let slash = path.lastIndex(of: "/") else { break }
            path = String(path[..<slash])
        }
        return path + "/shared/data"
    }()

    /// Whether the folder is there.
    public static var isAvailable: Bool { access(directory, R_OK) == 0 }

    /// Whether a missing folder must fail the run rather than skip (`CI=true`).
    public static var isRequired: Bool { runningUnderCI }

    /// The path of `relativePath` inside the folder.
    public static func path(_ relativePath: String) -> String { directory + "/" + relativePath }

    /// The trait of every test that reads the folder.
    public static var required: ConditionTrait {
        .enabled(
            if: isAvailable || isRequired,
            "needs the shared test data at \(directory), which is missing: put shared/data beside the checkout or set STRATA_SHARED_DATA to its path"
        )
    }
}

/// One tick of a LEAN equity trade file (`lean_spy_ibm_equity/csv/*_Trade_Tick.csv`: milliseconds
/// since midnight New York, price × 10,000, size, …): its line number and fields.
public struct LeanTradeTick: Sendable {
    /// The line's place in the file, from 0.
    public let line: Int
    public let milliseconds: Int64
    /// The price in units of 1/10,000 of a dollar.
    public let price: Int64
    public let size: Int64

    /// The ticks of the first `limit` lines of `text` (lines that do not parse are left out).
    public static func parse(_ text: String, limit: Int = .max) -> [LeanTradeTick] {
        text.split(separator: "\n").prefix(limit).enumerated().compactMap { index, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 3, let ms = Int64(fields[0]), let price = Int64(fields[1]),
                let size = Int64(fields[2])
            else { return nil }
            return LeanTradeTick(line: index, milliseconds: ms, price: price, size: size)
        }
    }
}

/// A TCP socket bound to a free port on 127.0.0.1 (listening when `listening`): its descriptor
/// and port. Close the descriptor to free the port.
public func bindLoopback(listening: Bool = false) -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    if listening { _ = listen(fd, 1) }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
