/** The bare lifecycles' activities: each does nothing, so what is left is Temporal's own cost. */
export const bareActivities = {
  async bareValidate(): Promise<string> {
    return 'VALID';
  },
  async bareCreate(): Promise<string> {
    return 'CREATED';
  },
  async bareRead(): Promise<string> {
    return 'DONE';
  },
  async bareMove(): Promise<string> {
    return 'MOVED';
  },
};

export type BareActivities = typeof bareActivities;
