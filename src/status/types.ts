/** A cache held outside the session store, for memory attribution. */
export interface CacheReport {
  name: string
  entries: number
  bytes: number
}

/** A hook's part of the longrun_status report: structured data and its text form. */
export interface StatusSection {
  title: string
  data: unknown
  text: string
}
