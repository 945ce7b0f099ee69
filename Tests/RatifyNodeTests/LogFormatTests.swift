import Logging
import RatifyCore
import Synchronization
import Testing
@testable import RatifyNode

@Suite("[log] format")
struct LogFormatTests {
    @Test("[log] format parses, defaults to text, round-trips through the written file, and a bad value names the key")
    func config() throws {
        #expect(try NodeConfig(toml: "").logFormat == .text)
        #expect(try NodeConfig(toml: "[log]\nformat = \"json\"\n").logFormat == .json)
        var config = NodeConfig()
        config.logFormat = .json
        #expect(try NodeConfig(toml: config.tomlText) == config)
        #expect(config.tomlText.contains("[log]\n"))
        do {
            _ = try NodeConfig(toml: "[log]\nformat = \"xml\"\n", file: "config.toml")
            Issue.record("format = \"xml\" was accepted")
        } catch {
            #expect(error.description == "config.toml: log.format: expected one of text, json, got \"xml\"")
        }
        do {
            _ = try NodeConfig(toml: "[log]\nlevel = \"debug\"\n", file: "config.toml")
            Issue.record("an unknown [log] key was accepted")
        } catch {
            #expect(error.description.contains("log.level"))
        }
    }

    @Test("the JSON handler writes one object per line with the text format's fields and the metadata as strings")
    func jsonLines() throws {
        let lines = Mutex<[String]>([])
        var handler = JSONLogHandler(label: "ratify") { line in lines.withLock { $0.append(line) } }
        handler.logLevel = .info
        handler[metadataKey: "moniker"] = "node0"
        let logger = Logger(label: "ratify", factory: { _ in handler })
        logger.debug("hidden")
        logger.info("finalized", metadata: ["height": "12", "latency_ms": "41.5", "msg": "a \"quoted\"\nline"])
        let written = lines.withLock { $0 }
        try #require(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().firstIndex(of: "\n") == nil)
        guard case .object(let members) = try JSONParser.parse(Array(line.utf8), file: "log line") else {
            Issue.record("not a JSON object: \(line)")
            return
        }
        #expect(members.map(\.key) == ["time", "level", "label", "source", "msg", "height", "latency_ms", "moniker", "meta.msg"])
        let value = { (key: String) -> String? in
            if case .string(let text)? = members.first(where: { $0.key == key })?.value { return text }
            return nil
        }
        #expect(value("level") == "info")
        #expect(value("msg") == "finalized")
        #expect(value("height") == "12")
        #expect(value("meta.msg") == "a \"quoted\"\nline")
        #expect(value("moniker") == "node0")
        #expect(value("time")?.hasSuffix("Z") == true)
    }
}
