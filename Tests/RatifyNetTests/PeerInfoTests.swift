import NIOCore
import RatifyCore
import RatifyGossip
import Testing
@testable import RatifyNet

@Suite("peer infos: direction, address, age and bytes per session", .serialized)
struct PeerInfoTests {
    @Test("three connected managers each report the other two with the right direction, address, age and bytes")
    func threePeersReportEachOther() async throws {
        let logs = LogStore()
        let a = PeerManager(config: makeConfig(0, udp: true), group: testGroup, logger: logs.logger(), verifier: testVerifier)
        let gossipA = ConsensusGossip(peers: a)
        try await a.start()
        let b = PeerManager(config: makeConfig(1, peers: [address(of: a)], udp: true), group: testGroup,
                            logger: logs.logger(), verifier: testVerifier)
        let gossipB = ConsensusGossip(peers: b)
        try await b.start()
        let c = PeerManager(config: makeConfig(2, peers: [address(of: a), address(of: b)], udp: true), group: testGroup,
                            logger: logs.logger(), verifier: testVerifier)
        let gossipC = ConsensusGossip(peers: c)
        try await c.start()
        let managers = [a, b, c]
        #expect(await Wait.until { managers.allSatisfy { $0.connectedPeers.count == 2 } })
        for gossip in [gossipA, gossipB, gossipC] { gossip.updateLocalState(height: 7, round: 0, step: .prevote) }
        let votes = (0..<4).map { NetSamples.vote(validator: $0) }
        for vote in votes { gossipA.broadcast(.vote(vote)) }
        #expect(await Wait.until {
            managers.allSatisfy { $0.peerInfos().allSatisfy { $0.bytesSent > 0 && $0.bytesReceived > 0 && $0.connectedForMillis > 0 } }
        })

        // a accepted both; b dialed a and accepted c; c dialed both.
        let expectedOutbound: [NodeID: [NodeID: Bool]] = [
            a.nodeID: [b.nodeID: false, c.nodeID: false],
            b.nodeID: [a.nodeID: true, c.nodeID: false],
            c.nodeID: [a.nodeID: true, b.nodeID: true],
        ]
        let listening = Dictionary(uniqueKeysWithValues: managers.map { ($0.nodeID, $0.listeningPort) })
        for manager in managers {
            let infos = manager.peerInfos()
            let expected = try #require(expectedOutbound[manager.nodeID])
            #expect(infos.map(\.nodeID) == expected.keys.sorted(), "sorted by node id, self excluded")
            for info in infos {
                #expect(info.outbound == expected[info.nodeID], "direction of \(info.nodeID) at \(manager.nodeID)")
                #expect(info.persistent == info.outbound, "a peer is persistent here exactly when it was dialed")
                let remote = try #require(info.remoteAddress)
                #expect(remote.hasPrefix("127.0.0.1:"))
                if info.outbound {
                    #expect(remote == "127.0.0.1:\(listening[info.nodeID]!!)", "an outbound session's address is the peer's listener")
                }
                #expect(info.connectedForMillis < 60_000)
            }
        }
        #expect(a.listeners == ["tcp://127.0.0.1:\(a.listeningPort!)", "udp://127.0.0.1:\(a.udpListeningPort!)"])
        for manager in managers { await manager.shutdown() }
    }
}
