import CFuzzerDriver
import Foundation

// `tiktok-business-fuzz TARGET [libFuzzer options] [corpus folders or inputs]`: picks the target, then hands the rest
// of the command line to libFuzzer's driver. The target is also passed on in the environment, so that the processes
// libFuzzer starts itself (`-merge=1`, `-fork=N`) run the same one.
let environmentKey = "TIKTOK_BUSINESS_FUZZ_TARGET"
var arguments = CommandLine.arguments
let target: FuzzTarget
if arguments.count > 1, let named = FuzzTarget.named(arguments[1]) {
    target = named
    arguments.remove(at: 1)
} else if let name = ProcessInfo.processInfo.environment[environmentKey], let named = FuzzTarget.named(name) {
    target = named
} else {
    var usage = "usage: tiktok-business-fuzz TARGET [libFuzzer options] [corpus folders or inputs]\n\ntargets:\n"
    for target in FuzzTarget.all {
        usage += "  \(target.name.padding(toLength: 16, withPad: " ", startingAt: 0))\(target.summary)\n"
    }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
setenv(environmentKey, target.name, 1)
FuzzTarget.selected = target
target.setUp()

// libFuzzer's options, as a C `argv` that lives as long as the process (libFuzzer keeps pointers into it).
var argc = CInt(arguments.count)
let argumentVector = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: arguments.count + 1)
for (index, argument) in arguments.enumerated() { argumentVector[index] = strdup(argument) }
argumentVector[arguments.count] = nil
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argumentVector
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in FuzzTarget.runSelected(data, size) })
