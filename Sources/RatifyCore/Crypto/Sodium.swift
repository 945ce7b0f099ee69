import CSodium

/// libsodium must be initialised once before any of its functions run. Every wrapper in
/// RatifyCore that calls libsodium goes through `Sodium.ready` first; the global `let`
/// is initialised lazily and exactly once, thread-safely, by the Swift runtime.
enum Sodium {
    static let ready: Bool = {
        // sodium_init returns 0 on first success, 1 if already initialised, -1 on failure.
        let status = sodium_init()
        precondition(status >= 0, "libsodium failed to initialise (sodium_init returned \(status))")
        return true
    }()

    @inline(__always)
    static func ensureReady() {
        _ = ready
    }
}
