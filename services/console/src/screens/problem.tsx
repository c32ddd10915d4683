// What went wrong with what the dispatcher just did, said beside it: an alert, so a screen reader reads
// it at once. Every form of the console ends with one.

export function Problem({ text }: { text: string | undefined }) {
  return text ? (
    <p class="error" role="alert">
      {text}
    </p>
  ) : null;
}
