package main

// getcpu(2) on x86-64: package syscall does not name it.
const sysGetcpu = 309
