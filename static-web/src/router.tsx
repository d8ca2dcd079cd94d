import { signal } from '@preact/signals';
import type { ComponentChildren, JSX } from 'preact';

export const currentPath = signal(location.pathname);
export const currentSearch = signal(location.search);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.origin);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  currentPath.value = url.pathname;
  currentSearch.value = url.search;
  window.scrollTo(0, 0);
}

/** Keeps a page's choices (a report's period) in its address, so it can be bookmarked and shared, without a new history entry. */
export function keepInAddress(parameters: Record<string, string | undefined>): void {
  const url = new URL(location.href);
  url.search = '';
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined && value !== '') url.searchParams.set(name, value);
  if (url.search === location.search) return;
  history.replaceState(null, '', url);
  currentSearch.value = url.search;
}

addEventListener('popstate', () => {
  currentPath.value = location.pathname;
  currentSearch.value = location.search;
});

/** Matches `/records/:labId/:recordNumber` against a path; null when it does not fit. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const expected = pattern.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return null;
  const parameters: Record<string, string> = {};
  for (let index = 0; index < expected.length; index += 1) {
    const part = expected[index]!;
    const value = actual[index]!;
    if (part.startsWith(':')) parameters[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return parameters;
}

/** An ordinary link that moves inside the app without reloading it. */
export function Link(props: { href: string; children: ComponentChildren } & Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const { href, children, onClick, ...rest } = props;
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
