// The time now for screens that show durations counting up (the desk's state
// and wrap-up timers, the floor between pushes).

import { useEffect, useState } from 'react';

/** The time now, renewed every `ms` (render stays pure: the clock is read by the timer). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => { setNow(Date.now()); }, ms);
    return () => { clearInterval(timer); };
  }, [ms]);
  return now;
}
