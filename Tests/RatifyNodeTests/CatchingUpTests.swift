import Testing
import RatifyCore
@testable import RatifyNode

@Suite("catching_up")
struct CatchingUpTests {
    @Test("behind when a peer has sent a commit two or more heights past the latest; level or one behind is not")
    func decision() {
        #expect(BlockSync.isCatchingUp(latestHeight: 0, peerCommitHeightMax: 0) == false, "a fresh chain with no commits seen")
        #expect(BlockSync.isCatchingUp(latestHeight: 5, peerCommitHeightMax: 5) == false)
        #expect(BlockSync.isCatchingUp(latestHeight: 5, peerCommitHeightMax: 3) == false, "an old commit says nothing")
        #expect(BlockSync.isCatchingUp(latestHeight: 5, peerCommitHeightMax: 6) == false, "a peer decided the next height first")
        #expect(BlockSync.isCatchingUp(latestHeight: 5, peerCommitHeightMax: 7) == true)
        #expect(BlockSync.isCatchingUp(latestHeight: 0, peerCommitHeightMax: 40) == true, "a late node at genesis")
        #expect(BlockSync.isCatchingUp(latestHeight: .max, peerCommitHeightMax: 1) == false, "no overflow")
    }
}
