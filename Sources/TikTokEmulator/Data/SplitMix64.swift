/// SplitMix64: a tiny, fast, seedable generator whose output never changes across Swift versions, so seeded data stays
/// identical from run to run and toolchain to toolchain.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    init(state: UInt64) {
        self.state = state
    }

    /// A generator seeded from the emulator seed and a list of key parts (e.g. `["campaign", advertiserID, "3"]`).
    init(seed: UInt64, _ parts: String...) {
        self.state = StableHash.hash(seed: seed, parts)
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (a plain modulo: the bias is irrelevant for emulated data, stability is not).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(self.next() % UInt64(bound))
    }

    /// A value in `range`.
    mutating func inRange(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + self.below(range.upperBound - range.lowerBound + 1)
    }

    /// A double in `0..<1`.
    mutating func unit() -> Double {
        Double(self.next() >> 11) / Double(UInt64(1) << 53)
    }

    /// One element of a non-empty array.
    mutating func pick<T>(_ elements: [T]) -> T {
        elements[self.below(elements.count)]
    }

    /// `count` decimal digits; the first is never zero when `leadingNonZero`.
    mutating func digits(_ count: Int, leadingNonZero: Bool = true) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for position in 0..<count {
            let digit = position == 0 && leadingNonZero ? 1 + self.below(9) : self.below(10)
            bytes.append(UInt8(ascii: "0") + UInt8(digit))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `count` lowercase hex digits.
    mutating func hex(_ count: Int) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            bytes.append(alphabet[self.below(16)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A stable 64-bit hash (FNV-1a over the parts, finished with a SplitMix round) independent of `Hasher`'s per-process
/// random seeding.
enum StableHash {
    static func hash(seed: UInt64, _ parts: [String]) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for part in parts {
            for byte in part.utf8 {
                value ^= UInt64(byte)
                value &*= 0x0000_0100_0000_01B3
            }
            value ^= 0xFF
            value &*= 0x0000_0100_0000_01B3
        }
        var mixer = SplitMix64(state: value)
        return mixer.next()
    }
}
