// Tests that use the support target also get LineProcess (a target of its own so that the benchmarks can use it).
@_exported import MegatorrentLineProcess
