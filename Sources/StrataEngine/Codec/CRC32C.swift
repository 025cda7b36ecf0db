import CStrataSupport
import StrataCore

/// CRC-32C (Castagnoli), the checksum of every WAL frame and sealed block.
///
/// On x86-64 with SSE4.2 it uses the `crc32` instruction (three interleaved streams, in the
/// CStrataSupport C target); elsewhere, software slicing-by-8: eight 256-entry tables, eight input bytes per step. Reflected
/// polynomial 0x82F63B78; initial value and final xor 0xFFFFFFFF (the iSCSI/ext4 definition,
/// `crc32c("123456789") == 0xE3069283`).
public enum CRC32C {
    /// The checksum of `bytes`, continuing from `crc` (pass the previous result to chain).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        if hardware { return strata_crc32c_hardware_update(~crc, base, bytes.count) ^ 0xFFFF_FFFF }
        return update(~crc, base, bytes.count) ^ 0xFFFF_FFFF
    }

    /// The software implementation, whatever the CPU (for tests that compare the two).
    public static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return update(~crc, base, bytes.count) ^ 0xFFFF_FFFF
    }

    /// Whether the CPU's CRC32 instruction is used.
    public static let hardware: Bool = strata_crc32c_hardware_available() != 0

    /// The checksum of an array of bytes.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    static func update(_ initial: UInt32, _ base: UnsafeRawPointer, _ count: Int) -> UInt32 {
        var crc = initial
        var pointer = base
        var remaining = count
        table.withUnsafeBufferPointer { t in
            while remaining >= 8 {
                let word = pointer.loadUnaligned(as: UInt64.self).littleEndian ^ UInt64(crc)
                crc =
                    t[7 * 256 + Int(word & 0xFF)] ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((word >> 16) & 0xFF)] ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((word >> 32) & 0xFF)] ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
                    ^ t[1 * 256 + Int((word >> 48) & 0xFF)] ^ t[Int(word >> 56)]
                pointer += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = t[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                pointer += 1
                remaining -= 1
            }
        }
        return crc
    }

    /// `table[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes.
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for byte in 0..<256 {
            var crc = table[byte]
            for slice in 1..<8 {
                crc = table[Int(crc & 0xFF)] ^ (crc >> 8)
                table[slice * 256 + byte] = crc
            }
        }
        return table
    }()
}
