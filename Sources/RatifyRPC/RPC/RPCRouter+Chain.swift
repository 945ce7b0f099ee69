import RatifyNode
import RatifyCore

/// `/status`, `/block`, `/commit`, `/validators`, `/validator/KEY`, `/account/ADDRESS`.
extension RPCRouter {
    func status() async -> HTTPResponse {
        guard let status = queries.status else { return Self.notWired("status") }
        return .json(RPCJSON.status(await status()))
    }

    func block(_ request: HTTPRequest) async -> HTTPResponse {
        if let powBlock = queries.powBlock {
            let height: Height
            do { height = try await self.height(request) } catch { return error.response }
            guard let found = await powBlock(height) else { return await unknown("block", height: height) }
            return .json(RPCJSON.powBlock(found))
        }
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
        let names = await queries.stakingValidators?() ?? []
        let byKey = Dictionary(names.map { ($0.publicKey, $0.name) }, uniquingKeysWith: { first, _ in first })
        return .json(RPCJSON.validators(set, height: height, names: byKey))
    }

    /// A registered validator by consensus public key (64 hex digits) or address (40).
    func validator(_ text: String) async -> HTTPResponse {
        guard let stakingValidators = queries.stakingValidators else { return Self.notWired("validator records") }
        let publicKey = PublicKey(hex: text)
        let address = publicKey == nil ? Address(hex: text) : nil
        guard publicKey != nil || address != nil else {
            return .error(.badRequest, "validator must be a public key (64 hex digits) or an address (40 hex digits), got \(JSONWriter.quoted(String(text.prefix(80))))")
        }
        let all = await stakingValidators()
        guard let found = all.first(where: { $0.publicKey == publicKey || $0.address == address }) else {
            return .error(.notFound, "no validator \(text) is registered; a key registers with its first self-stake (docs/STAKING.md)")
        }
        return .json(RPCJSON.stakingValidator(found))
    }

    func account(_ text: String) async -> HTTPResponse {
        guard let account = queries.account else { return Self.notWired("account lookup") }
        guard let address = Address(hex: text) else {
            return .error(.badRequest, "account address must be 40 hex digits (20 bytes), got \(JSONWriter.quoted(String(text.prefix(80))))")
        }
        return .json(RPCJSON.account(await account(address)))
    }
}
