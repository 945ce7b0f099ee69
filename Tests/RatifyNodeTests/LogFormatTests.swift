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

    @Test("the text handler writes swift-log's line with a millisecond UTC time, and metadata sorted")
    func textLines() throws {
        let line = TextLogHandler.line(timeMillis: 1_767_225_602_345.9, level: .info, label: "ratify", source: "RatifyNode",
                                       message: "timeout", metadata: ["round": "3", "height": "12", "step": "prevote"])
        #expect(line == "2026-01-01T00:00:02.345Z info ratify: height=12 round=3 step=prevote [RatifyNode] timeout\n")
        #expect(TextLogHandler.line(timeMillis: 0, level: .warning, label: "ratify", source: "S", message: "m", metadata: [:])
            == "1970-01-01T00:00:00.000Z warning ratify: [S] m\n")
        let lines = Mutex<[String]>([])
        var handler = TextLogHandler(label: "ratify") { line in lines.withLock { $0.append(line) } }
        handler.logLevel = .info
        let logger = Logger(label: "ratify", factory: { _ in handler })
        logger.debug("hidden")
        logger.info("finalized", metadata: ["hash": "54644d39e13b", "height": "12", "latency_ms": "3.2", "round": "0", "txs": "3"])
        let written = try #require(lines.withLock { $0 }.first)
        #expect(lines.withLock { $0.count } == 1)
        #expect(written.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info ratify: .*\n/) != nil, "\(written)")
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
