//go:build arena_portable

package main

const portableBuild = true
