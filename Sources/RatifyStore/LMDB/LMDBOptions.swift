/// How an `LMDBEnvironment` is sized. The map is address space, not disk: on Linux the data
/// file grows only as pages are written, so a generous initial map costs nothing on disk.
public struct LMDBOptions: Sendable, Equatable {
    /// The map size requested when the environment is opened. An existing environment whose
    /// data file is larger keeps its larger size.
    public var mapBytesInitial: Int
    /// The map is doubled on `MDB_MAP_FULL` up to this size; beyond it a write fails with
    /// `StoreError.mapSizeLimit` instead of growing without bound.
    public var mapBytesMax: Int
    /// How many named databases the environment may hold (`mdb_env_set_maxdbs`).
    public var databaseCountMax: UInt32
    /// How many times one write transaction may be retried after growing the map.
    public var mapGrowthsPerWriteMax: Int

    public init(
        mapBytesInitial: Int = 64 << 20,
        mapBytesMax: Int = 1 << 40,
        databaseCountMax: UInt32 = 16,
        mapGrowthsPerWriteMax: Int = 40
    ) {
        self.mapBytesInitial = mapBytesInitial
        self.mapBytesMax = mapBytesMax
        self.databaseCountMax = databaseCountMax
        self.mapGrowthsPerWriteMax = mapGrowthsPerWriteMax
    }
}
