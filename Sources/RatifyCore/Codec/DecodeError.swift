/// Why a byte string is not a valid canonical encoding. Decoders return these; they never
/// trap. `field` names the value being read and `offset` the byte where reading failed.
public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The input ended with `needed` more bytes expected.
        case truncated(needed: Int)
        /// A length prefix larger than the field's documented maximum.
        case lengthTooLarge(length: Int, max: Int)
        /// A list count larger than the field's documented maximum.
        case countTooLarge(count: Int, max: Int)
        /// An enum tag this version does not know.
        case unknownTag(UInt64)
        /// Bytes left over after a complete value.
        case trailingBytes(count: Int)
        /// A value that is well framed but not allowed (bad UTF-8, non-canonical flag, ...).
        case invalid(String)
    }

    public var kind: Kind
    public var field: String
    public var offset: Int

    public init(_ kind: Kind, field: String, offset: Int) {
        self.kind = kind
        self.field = field
        self.offset = offset
    }

    public var description: String {
        let what = switch kind {
        case .truncated(let needed): "input ends \(needed) byte(s) early"
        case .lengthTooLarge(let length, let max): "length \(length) exceeds the maximum \(max)"
        case .countTooLarge(let count, let max): "count \(count) exceeds the maximum \(max)"
        case .unknownTag(let tag): "unknown tag \(tag)"
        case .trailingBytes(let count): "\(count) trailing byte(s) after the value"
        case .invalid(let reason): reason
        }
        return "\(field) at byte \(offset): \(what)"
    }
}
