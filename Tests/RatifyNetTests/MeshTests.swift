import RatifyCore
import Testing
@testable import RatifyNet

@Suite("four-node mesh", .serialized)
struct MeshTests {
    /// Node i lists nodes 0..<i as persistent peers (their ports are known once they listen).
    static func startMesh(_ logs: LogStore, udp: Bool = false) async throws -> [PeerManager] {
        var managers: [PeerManager] = []
        for index in 0..<4 {
            let manager = PeerManager(config: makeConfig(index, peers: managers.map(address(of:)), udp: udp),
                                      group: testGroup, logger: logs.logger())
            try await manager.start()
            managers.append(manager)
        }
        return managers
    }

    static func fullMesh(_ managers: [PeerManager]) -> Bool {
        managers.allSatisfy { manager in
            Set(manager.connectedPeers) == Set(managers.map(\.nodeID)).subtracting([manager.nodeID])
        }
    }

    @Test("four managers form a full mesh from their configs and reconnect after one restarts")
    func meshAndRestart() async throws {
        let logs = LogStore()
        var managers = try await Self.startMesh(logs)
        #expect(await Wait.until { Self.fullMesh(managers) })

        // Stop node 1 (it dials node 0; nodes 2 and 3 dial it), restart it on the same port.
        let port = try #require(managers[1].listeningPort)
        await managers[1].shutdown()
        #expect(await Wait.until { managers[0].connectedPeers.count == 2 && managers[3].connectedPeers.count == 2 })
        let restarted = PeerManager(config: makeConfig(1, peers: [address(of: managers[0])], port: port),
                                    group: testGroup, logger: logs.logger())
        try await restarted.start()
        managers[1] = restarted
        let healed = await Wait.until { Self.fullMesh(managers) }
        #expect(healed)
        if !healed {
            for manager in managers { print("DEBUG", manager.nodeID, manager.connectedPeers, manager.stats.disconnects, manager.stats.handshakeFailures) }
            for line in logs.all.suffix(40) { print("LOG", line) }
        }

        // Every node hears a vote broadcast by node 2.
        let inboxes = managers.map(Inbox.init)
        let vote = NetSamples.vote(validator: 2)
        managers[2].broadcast(.vote(vote))
        #expect(await Wait.until { inboxes.enumerated().allSatisfy { $0.offset == 2 || $0.element.votes() == [vote] } })
        #expect(inboxes[2].votes().isEmpty, "a node does not get its own vote back")
        for manager in managers { await manager.shutdown() }
    }
}
