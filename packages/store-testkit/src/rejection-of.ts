/** The error `operation` rejects with; fails the test when it resolves instead. */
export async function rejectionOf(operation: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await operation;
  } catch (error) {
    return error;
  }
  throw new Error(`Expected ${what} to fail, but it succeeded.`);
}
