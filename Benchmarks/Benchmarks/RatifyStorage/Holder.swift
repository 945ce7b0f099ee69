/// A value made by a benchmark's setup hook and read by its iterations.
///
/// @unchecked Sendable: the harness runs setup, iterations and teardown one after another.
final class Holder<Value>: @unchecked Sendable {
    var value: Value?
}
