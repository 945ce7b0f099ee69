/// Lower-case hexadecimal, for keys, hashes and addresses in files, logs and the CLI.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var characters: [UInt8] = []
        characters.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Decodes upper- or lower-case hex, with an optional `0x` prefix; nil on anything else.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(utf8: ArraySlice(Substring(text).utf8))
    }

    /// `decode` over the UTF-8 bytes of the text, without making a string of them first (a
    /// concrete slice, so that the loop runs without generic dispatch from other modules).
    public static func decode(utf8 text: ArraySlice<UInt8>) -> [UInt8]? {
        var digits = text
        if digits.starts(with: "0x".utf8) || digits.starts(with: "0X".utf8) { digits = digits.dropFirst(2) }
        guard digits.count % 2 == 0 else { return nil }
        return digits.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var output: [UInt8] = []
            output.reserveCapacity(buffer.count / 2)
            var index = 0
            while index < buffer.count {
                guard let high = value(of: buffer[index]), let low = value(of: buffer[index + 1]) else { return nil }
                output.append(high << 4 | low)
                index += 2
            }
            return output
        }
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
