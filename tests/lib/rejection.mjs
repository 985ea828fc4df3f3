// The rejection of a promise, for the JavaScript test suites.

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
