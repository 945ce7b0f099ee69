/// Stream identifiers (arbitrary constants; changing one changes every replay).
enum SimStream {
    static let setup: UInt64 = 1
    static let network: UInt64 = 2
    static let loss: UInt64 = 3
    static let duplication: UInt64 = 4
    static let reordering: UInt64 = 5
    static let partition: UInt64 = 6
    static let crash: UInt64 = 7
    static let ledger: UInt64 = 8
    static let byzantine: UInt64 = 9
}
