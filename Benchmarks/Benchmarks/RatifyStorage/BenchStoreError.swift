/// Why a benchmark store could not be set up; one line, printed by the harness.
struct BenchStoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
