/**
 * User text in VS Code's labels, shown as typed, without importing `vscode`.
 *
 * Quick pick items' labels, descriptions and details, status bar text and messages
 * (`setStatusBarMessage`), and an input box's prompt and validation message render `$(name)` as an
 * icon (VS Code's `renderLabelWithIcons`): a line `x=$(date) TODO` shows as `x= TODO`, a pattern
 * `$(date)` as nothing at all. Written `\$(name)` it shows as `$(name)`, so user text — a pattern,
 * a matched line, a message, the server's words about them — goes through `escapeIcons` on its
 * way there, and through nothing else (VS Code has no other escape in these places).
 *
 * Not escaped: what VS Code shows as plain text — a quick pick's title and its separators'
 * labels, tooltips given as strings, notifications, tree items — where a backslash would show.
 */

/** `$(name)` or `$(name~modifier)`, as VS Code reads an icon (ThemeIcon's name expressions). */
const ICON = /\$\([A-Za-z0-9-]+(?:~[A-Za-z]+)?\)/g;

/** `text` to be shown as it is where VS Code renders `$(name)` as an icon. A backslash already
 * before one stays (and shows): `\$(x)` becomes `\\$(x)`, which VS Code shows as `\$(x)`. */
export function escapeIcons(text: string): string {
  return text.replace(ICON, "\\$&");
}
