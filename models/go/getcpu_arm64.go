package main

// getcpu(2) on aarch64: package syscall does not name it.
const sysGetcpu = 168
