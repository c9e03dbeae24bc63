/** An approver named in a plan ("Dana", from a person's sentence) is the identity dana: names match without regard to case. */
export function isListedApprover(approvers: readonly string[], who: string): boolean {
  const key = (name: string) => name.normalize('NFC').toLowerCase();
  return approvers.some((a) => key(a) === key(who));
}
