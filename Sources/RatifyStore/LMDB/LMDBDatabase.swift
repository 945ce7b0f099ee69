import CLMDB

/// A named database inside an `LMDBEnvironment` (an `MDB_dbi`). Handles are opened once, when
/// the environment is set up, and stay valid until the environment is closed.
public struct LMDBDatabase: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    let handle: MDB_dbi

    init(name: String, handle: MDB_dbi) {
        self.name = name
        self.handle = handle
    }

    public var description: String { name }
}
