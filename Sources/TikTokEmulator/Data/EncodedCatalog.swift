import Synchronization

/// The listings of recently read advertisers, built and encoded once: every catalog object is a pure function of the
/// seed, the advertiser and its position, so `/campaign/get/`, `/adgroup/get/` and `/ad/get/` splice cached text into
/// their responses instead of generating and encoding the objects on every call.
///
/// The lock is held only to look a listing up or store it (never while building or encoding one); two first calls for
/// the same advertiser may both build it, which is harmless. At most ``capacity`` advertisers are kept (an arbitrary
/// one is dropped to make room), so memory stays bounded however many advertisers are read.
final class EncodedCatalog: Sendable {
    /// Every ad group of an advertiser, in order, with its encoded object.
    struct AdGroups: Sendable {
        let paths: [(campaign: Int, adGroup: Int)]
        let objects: [EncodedJSON]
    }

    /// Every ad of an advertiser, in order, with its encoded object.
    struct Ads: Sendable {
        let paths: [MarketingCatalog.AdPath]
        let objects: [EncodedJSON]
    }

    private struct Entry {
        var campaigns: [EncodedJSON]?
        var adGroups: AdGroups?
        var ads: Ads?
    }

    /// How many advertisers' listings are kept.
    static let capacity = 256

    let catalog: MarketingCatalog
    private let entries = Mutex<[String: Entry]>([:])

    init(catalog: MarketingCatalog) {
        self.catalog = catalog
    }

    /// How many advertisers have cached listings.
    var advertiserCount: Int { self.entries.withLock { $0.count } }

    /// Every campaign object of `advertiserID`, in order.
    func campaigns(_ advertiserID: String) -> [EncodedJSON] {
        if let cached = self.entries.withLock({ $0[advertiserID]?.campaigns }) { return cached }
        let campaigns = (0..<self.catalog.campaignCount(advertiserID)).map {
            EncodedJSON(self.catalog.campaign(advertiserID, $0))
        }
        self.store(advertiserID) { $0.campaigns = campaigns }
        return campaigns
    }

    /// Every ad group of `advertiserID`, in order.
    func adGroups(_ advertiserID: String) -> AdGroups {
        if let cached = self.entries.withLock({ $0[advertiserID]?.adGroups }) { return cached }
        let paths = self.catalog.adGroupPaths(advertiserID)
        let adGroups = AdGroups(
            paths: paths,
            objects: paths.map { EncodedJSON(self.catalog.adGroup(advertiserID, $0.campaign, $0.adGroup)) }
        )
        self.store(advertiserID) { $0.adGroups = adGroups }
        return adGroups
    }

    /// Every ad of `advertiserID`, in order.
    func ads(_ advertiserID: String) -> Ads {
        if let cached = self.entries.withLock({ $0[advertiserID]?.ads }) { return cached }
        let paths = self.catalog.adPaths(advertiserID)
        let ads = Ads(paths: paths, objects: paths.map { EncodedJSON(self.catalog.ad(advertiserID, $0)) })
        self.store(advertiserID) { $0.ads = ads }
        return ads
    }

    private func store(_ advertiserID: String, _ update: (inout Entry) -> Void) {
        self.entries.withLock { entries in
            if entries[advertiserID] == nil, entries.count >= Self.capacity, let victim = entries.keys.first {
                entries.removeValue(forKey: victim)
            }
            update(&entries[advertiserID, default: Entry()])
        }
    }
}
