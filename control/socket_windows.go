package control

// socketsUsable: Windows 10+ has AF_UNIX sockets, but a file mode does not
// restrict who may connect there (os.Chmod sets only the read-only bit), so the
// endpoint is the loopback port guarded by the run file's token.
const socketsUsable = false
