// Package procutil is process-group signalling and process identity, kept small
// and apart from supervision (as Tilt's procutil is): start a child as the leader
// of its own group with a death signal, signal or probe a whole group, read a
// process's start time from /proc so a reused pid is never mistaken for ours, and
// find which process holds a port. It decides nothing: orchestrate's stop ladder
// says when to send what.
package procutil
