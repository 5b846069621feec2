// LLVMFuzzerRunDriver is libFuzzer's; this target only declares it for Swift (include/CFuzzerDriver.h).
#include "CFuzzerDriver.h"
