import RatifyCore

/// `/status`, `/block`, `/commit`, `/validators`, `/account/ADDRESS`.
extension RPCRouter {
    func status() async -> HTTPResponse {
        guard let status = queries.status else { return Self.notWired("status") }
        return .json(RPCJSON.status(await status()))
    }

    func block(_ request: HTTPRequest) async -> HTTPResponse {
        guard let block = queries.block else { return Self.notWired("block lookup") }
        let height: Height
        do { height = try await self.height(request) } catch { return error.response }
        guard let found = await block(height) else { return await unknown("block", height: height) }
        return .json(RPCJSON.block(found))
    }

    func commit(_ request: HTTPRequest) async -> HTTPResponse {
        guard let commit = queries.commit, let block = queries.block else { return Self.notWired("commit lookup") }
        let height: Height
        do { height = try await self.height(request) } catch { return error.response }
        guard let found = await commit(height), let header = await block(height)?.header else {
            return await unknown("commit", height: height)
        }
        return .json(RPCJSON.signedHeader(header, found))
    }

    func validators(_ request: HTTPRequest) async -> HTTPResponse {
        guard let validators = queries.validators else { return Self.notWired("validator lookup") }
        let height: Height
        do { height = try await self.height(request) } catch { return error.response }
        guard let set = await validators(height) else { return await unknown("validator set", height: height) }
        return .json(RPCJSON.validators(set, height: height))
    }

    func account(_ text: String) async -> HTTPResponse {
        guard let account = queries.account else { return Self.notWired("account lookup") }
        guard let address = Address(hex: text) else {
            return .error(.badRequest, "account address must be 40 hex digits (20 bytes), got \(JSONWriter.quoted(String(text.prefix(80))))")
        }
        return .json(RPCJSON.account(await account(address)))
    }
}
