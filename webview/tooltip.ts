/**
 * One floating tooltip for every element with a `data-tip` attribute. It shows on hover, and on
 * keyboard focus of the element or of a focusable row that contains one. It lives at the end of
 * the body, so scroll containers do not clip it. Screen readers get the same text through each
 * element's own description, so the tooltip itself is hidden from them.
 */
import { h } from './dom';

const GAP_PX = 4;

export function installTooltips(root: HTMLElement): void {
  const tip = h('div', { class: 'tooltip', role: 'tooltip', 'aria-hidden': 'true', hidden: true });
  document.body.append(tip);
  let anchor: Element | undefined;

  const show = (target: Element): void => {
    const text = target.getAttribute('data-tip');
    if (!text) return;
    anchor = target;
    tip.textContent = text;
    tip.hidden = false;
    place(tip, target);
  };
  const hide = (): void => {
    anchor = undefined;
    tip.hidden = true;
  };

  root.addEventListener('mouseover', (event) => {
    const target = (event.target as Element).closest('[data-tip]');
    if (target && target !== anchor) show(target);
  });
  root.addEventListener('mouseout', (event) => {
    const next = event.relatedTarget as Element | null;
    if (anchor && !(next && anchor.contains(next))) hide();
  });
  root.addEventListener('focusin', (event) => {
    const target = event.target as Element;
    // A click also focuses a row, but only keyboard focus shows the tip, so it does not cover the
    // detail that the click opened.
    if (!target.matches(':focus-visible')) return;
    const tipped = target.matches('[data-tip]') ? target : target.querySelector('[data-tip]');
    if (tipped) show(tipped);
    else hide();
  });
  root.addEventListener('focusout', hide);
  root.addEventListener('scroll', hide, true);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide();
  });
}

/** Places the tooltip below the anchor, or above it when there is no room below. */
function place(tip: HTMLElement, target: Element): void {
  const anchorBox = target.getBoundingClientRect();
  const width = tip.offsetWidth;
  const height = tip.offsetHeight;
  const left = Math.max(GAP_PX, Math.min(anchorBox.left, window.innerWidth - width - GAP_PX));
  const below = anchorBox.bottom + GAP_PX;
  const top = below + height <= window.innerHeight ? below : anchorBox.top - height - GAP_PX;
  // Style properties set through the CSSOM are allowed by a CSP without 'unsafe-inline'.
  tip.style.left = `${left}px`;
  tip.style.top = `${Math.max(GAP_PX, top)}px`;
}
