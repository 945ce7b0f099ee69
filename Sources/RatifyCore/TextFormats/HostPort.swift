
/// A host and TCP/UDP port as written in config.toml: `127.0.0.1:26657`, `node1.example:26656`,
/// `[::1]:26656`, optionally behind a scheme (`tcp://0.0.0.0:26656`).
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; when `scheme` is given the text must start with `scheme://`.
    /// Returns why it is not acceptable on failure, for the caller's one-line error.
    public static func parse(_ text: String, scheme: String? = nil) -> Result<HostPort, AddressProblem> {
        var rest = Substring(text)
        if let scheme {
            let prefix = scheme + "://"
            guard rest.hasPrefix(prefix) else {
                return .failure(AddressProblem("expected \(prefix)HOST:PORT, got \"\(text)\""))
            }
            rest = rest.dropFirst(prefix.count)
        }
        guard let colon = rest.lastIndex(of: ":") else {
            return .failure(AddressProblem("expected HOST:PORT, got \"\(text)\""))
        }
        var host = rest[..<colon]
        let portText = rest[rest.index(after: colon)...]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()  // IPv6 literal
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return .failure(AddressProblem("invalid IPv6 address in \"\(text)\""))
            }
        } else {
            let allowed = host.unicodeScalars.allSatisfy { scalar in
                (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))) || scalar == "." || scalar == "-"
            }
            guard !host.isEmpty, host.utf8.count <= 253, allowed else {
                return .failure(AddressProblem("invalid host \"\(host)\" in \"\(text)\"; expected a host name or IP address"))
            }
        }
        guard let port = UInt16(portText), port > 0 else {
            return .failure(AddressProblem("invalid port \"\(portText)\" in \"\(text)\"; expected 1 to 65535"))
        }
        return .success(HostPort(host: String(host), port: port))
    }

    /// `host:port`, with IPv6 hosts bracketed.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Why an address in a config file is not acceptable (the caller adds file and key).
public struct AddressProblem: Error, Equatable, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}
