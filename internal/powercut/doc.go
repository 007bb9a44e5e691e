// Package powercut is a power-cut simulator for tests: a FUSE passthrough file
// system (over a backing folder) that keeps apart what has reached "stable
// storage" and drops everything else at a simulated cut, in the spirit of
// LazyFS.
//
// The model is the strict POSIX one a durable store must be written for:
//   - a file's bytes are durable as of its last fsync (fdatasync alike);
//     bytes written after it, or never fsynced, are lost at a cut;
//   - a name in a folder (a create, a link, a rename, an unlink) is durable as
//     of that folder's last fsync; until then the cut brings back the folder's
//     previous names, each with its file's durable bytes;
//   - a file or folder that exists when the file system is mounted is durable.
//
// After Cut every fsync fails with EIO and records nothing, so no write that a
// program acknowledges after the cut can be counted as durable by mistake.
// Image writes the durable state, as a machine would find it after the power
// came back, into a folder of the real file system.
package powercut
