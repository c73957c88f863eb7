//go:build race

package vectorize

// raceEnabled is set under -race, where the race detector makes distance loops ~25x slower.
const raceEnabled = true
