/**
 * Labelled form controls built from the webview UI toolkit: text fields, text areas, dropdowns
 * and check boxes, each in a `.field` wrapper with a hint and an error line.
 */
import { h } from './dom';

/** A toolkit control's value-carrying members; FAST elements expose them as properties. */
export type ValueElement = HTMLElement & { value: string; disabled: boolean };
export type CheckElement = HTMLElement & { checked: boolean; disabled: boolean };

export interface Field<T extends HTMLElement> {
  /** The `.field` wrapper: label, control, hint and error line. */
  element: HTMLElement;
  control: T;
  hint: HTMLElement;
  /** Shows an error under the control and marks it invalid; undefined clears it. */
  setError(message: string | undefined): void;
}

function wrap<T extends HTMLElement>(
  name: string,
  control: T,
  label: HTMLElement | null,
  hintText?: string,
): Field<T> {
  const errorId = `error-${name}`;
  const hintId = `hint-${name}`;
  const hint = h('p', { class: 'field-hint', id: hintId }, hintText ?? '');
  hint.hidden = !hintText;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  control.setAttribute('aria-describedby', `${hintId} ${errorId}`);
  const element = h('div', { class: 'field', 'data-field': name }, label, control, hint, error);
  return {
    element,
    control,
    hint,
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = message === undefined;
      element.classList.toggle('invalid', message !== undefined);
      if (message === undefined) control.removeAttribute('aria-invalid');
      else control.setAttribute('aria-invalid', 'true');
    },
  };
}

/** Creates a `vscode-text-field`, whose slotted text is the visible label. */
export function textField(
  name: string,
  label: string,
  options: { placeholder?: string; hint?: string; type?: string } = {},
): Field<ValueElement> {
  const control = h('vscode-text-field', {
    id: `field-${name}`,
    name,
    placeholder: options.placeholder,
    type: options.type,
  }) as ValueElement;
  control.textContent = label;
  return wrap(name, control, null, options.hint);
}

/** Creates a `vscode-text-area`, for JSON and for lists with one value per line. */
export function textArea(
  name: string,
  label: string,
  options: { placeholder?: string; hint?: string; rows?: number } = {},
): Field<ValueElement> {
  const control = h('vscode-text-area', {
    id: `field-${name}`,
    name,
    placeholder: options.placeholder,
    rows: options.rows ?? 3,
    resize: 'vertical',
  }) as ValueElement;
  control.textContent = label;
  return wrap(name, control, null, options.hint);
}

/** Creates a `vscode-dropdown` with a separate label element, because it has no label slot. */
export function dropdown(
  name: string,
  label: string,
  choices: ReadonlyArray<readonly [value: string, text: string]>,
  hint?: string,
): Field<ValueElement> {
  const labelId = `label-${name}`;
  const control = h('vscode-dropdown', {
    id: `field-${name}`,
    name,
    'aria-labelledby': labelId,
  }) as ValueElement;
  setChoices(control, choices);
  const labelElement = h(
    'label',
    { class: 'field-label', id: labelId, for: `field-${name}` },
    label,
  );
  return wrap(name, control, labelElement, hint);
}

/** Replaces a dropdown's options and selects `selected`, or the first option. */
export function setChoices(
  control: ValueElement,
  choices: ReadonlyArray<readonly [value: string, text: string]>,
  selected?: string,
): void {
  const selectedValue = choices.some(([value]) => value === selected) ? selected : choices[0]?.[0];
  control.replaceChildren(
    ...choices.map(([value, text]) => {
      const option = h('vscode-option', { value, selected: value === selectedValue });
      option.textContent = text;
      return option;
    }),
  );
  if (selectedValue !== undefined) control.value = selectedValue;
}

/** Creates a `vscode-checkbox`, whose slotted text is the label. */
export function checkbox(name: string, label: string, hint?: string): Field<CheckElement> {
  const control = h('vscode-checkbox', { id: `field-${name}`, name }) as CheckElement;
  control.textContent = label;
  return wrap(name, control, null, hint);
}
