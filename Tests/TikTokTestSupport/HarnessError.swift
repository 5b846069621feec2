/// A test's set-up went wrong (a process, a server or a page did not answer as expected).
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
