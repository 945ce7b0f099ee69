import CSodium

/// Cryptographically secure random bytes from the operating system, through libsodium.
public enum SecureRandom {
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0)
        Sodium.ensureReady()
        var output = [UInt8](repeating: 0, count: count)
        output.withUnsafeMutableBytes { buffer in
            if buffer.count > 0 { randombytes_buf(CPointer.mutableBytes(buffer), buffer.count) }
        }
        return output
    }

    public static func uint64() -> UInt64 {
        var value: UInt64 = 0
        Sodium.ensureReady()
        withUnsafeMutableBytes(of: &value) { randombytes_buf(CPointer.mutableBytes($0), $0.count) }
        return value
    }
}
