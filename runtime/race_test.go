//go:build race

package runtime

// raceEnabled makes heavy tests smaller under the race detector, which slows JavaScript tenfold.
const raceEnabled = true
