export interface Choice<T extends string> {
  value: T;
  name?: string;
  checked?: boolean;
}

/** The questions init asks; the CLI passes inquirer, and nothing else in init knows about terminals. */
export interface Prompter {
  input(question: {
    message: string;
    default?: string | undefined;
    validate?: (value: string) => string | true;
  }): Promise<string>;
  confirm(question: { message: string; default: boolean }): Promise<boolean>;
  checkbox<T extends string>(question: { message: string; choices: Array<Choice<T>> }): Promise<T[]>;
  select<T extends string>(question: { message: string; choices: Array<Choice<T>> }): Promise<T>;
}

/** @inquirer/prompts 7 behind the Prompter interface, loaded only when init really asks (it is slow to import). */
export async function loadInquirerPrompter(): Promise<Prompter> {
  const { checkbox, confirm, input, select } = await import('@inquirer/prompts');
  return {
    input: ({ message, default: value, validate }) =>
      input({
        message,
        ...(value === undefined ? {} : { default: value }),
        ...(validate === undefined ? {} : { validate }),
      }),
    confirm: (question) => confirm(question),
    checkbox: <T extends string>(question: { message: string; choices: Array<Choice<T>> }) =>
      checkbox<T>({
        message: question.message,
        choices: question.choices.map((c) => ({
          value: c.value,
          name: c.name ?? c.value,
          checked: c.checked ?? false,
        })),
      }),
    select: <T extends string>(question: { message: string; choices: Array<Choice<T>> }) =>
      select<T>({
        message: question.message,
        choices: question.choices.map((c) => ({ value: c.value, name: c.name ?? c.value })),
      }),
  };
}

/** Turns a parser that throws into an inquirer validator that shows the message and asks again. */
export function validateWith(parse: (value: string) => unknown): (value: string) => string | true {
  return (value) => {
    try {
      parse(value);
      return true;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
}
