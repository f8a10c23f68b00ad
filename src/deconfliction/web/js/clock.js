// The hub's clock, as the console knows it: the browser's clock plus an offset learnt from
// the hub. Countdowns, deadlines and the clock in the header read it, so that a browser whose
// clock is off (or a demo's hub running faster than real time) does not make them lie.
//
// Every time the hub tells is a lower bound of its clock by the time it arrives: the health
// check's at sign-in and each minute (which resets the offset: the browser's clock may have
// been set since), and each event's on the stream (the hub stamped it before sending it).

let offset = 0; // ms to add to Date.now()

/** The hub's time now, in ms since the epoch. */
export function hubNow() {
  return Date.now() + offset;
}

/** The hub said it was `at` (an RFC 3339 time): its clock reads at least that now. */
export function heard(at) {
  const bound = Date.parse(at) - Date.now();
  if (bound > offset) offset = bound;
}

/** Read the hub's clock again (GET /v1/health); on failure keep what is known. */
export async function calibrate() {
  try {
    const response = await fetch("/v1/health", { cache: "no-store" });
    const { time } = await response.json();
    const bound = Date.parse(time) - Date.now();
    if (Number.isFinite(bound)) offset = bound;
  } catch {
    /* the stream's events keep it current */
  }
}
