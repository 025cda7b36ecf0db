import StrataCore
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4's examples and the empty string; a million "a"s crosses many blocks.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ])
    func knownDigests(text: String, hex: String) {
        #expect(SHA256.hash(text.utf8).hex == hex)
        // Fed in uneven pieces, the same digest.
        var hash = SHA256()
        var rest = Substring(text)
        var piece = 1
        while !rest.isEmpty {
            hash.update(rest.prefix(piece).utf8)
            rest = rest.dropFirst(piece)
            piece = piece * 3 % 97 + 1
        }
        #expect(hash.finalize().hex == hex)
        #expect(SHA256.Digest(hex: hex)?.hex == hex)
    }

    /// Every length around the padding boundaries (55, 56, 63, 64 bytes…) agrees with hashing
    /// the same bytes in one piece and two pieces.
    @Test func paddingBoundaries() {
        for length in 0...130 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var split = SHA256()
            split.update(bytes.prefix(length / 2))
            split.update(bytes.dropFirst(length / 2))
            #expect(split.finalize() == SHA256.hash(bytes), "length \(length)")
        }
        #expect(
            SHA256.hash([UInt8](repeating: 0x61, count: 64)).hex
                == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
        #expect(SHA256.Digest(hex: "zz") == nil)
    }
}
