package procutil

// Supervision names the mechanisms this build supervises with (arena-dev version).
const Supervision = "job object"
