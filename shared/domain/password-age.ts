/** Whether a local account must set a new password before anything else. */
export function passwordChangeDue(
  user: { authMethod: string; requirePasswordChange: boolean; passwordChangedAt: string | null },
  now: Date,
  maxAgeDays: number,
): boolean {
  if (user.authMethod !== 'local') return false;
  if (user.requirePasswordChange) return true;
  if (maxAgeDays === 0) return false;
  if (!user.passwordChangedAt) return true;
  return now.getTime() - Date.parse(user.passwordChangedAt) > maxAgeDays * 86_400_000;
}
