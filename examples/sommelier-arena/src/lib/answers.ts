// Server-side access to the wine-answers API (the Worker, or arena-dev's in-process
// copy of it). GET {base}/answers returns every category's answers.

export const CATEGORIES = ["color", "country", "grape", "vintage", "wine"] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_TITLES: Record<Category, string> = {
  color: "Colour",
  country: "Country",
  grape: "Grape",
  vintage: "Vintage",
  wine: "Wine",
};

export interface Answer {
  id: string;
  label: string;
  custom: boolean;
  createdAt: string;
}

export type AnswersByCategory = Record<Category, Answer[]>;

export type AnswersResult =
  | { ok: true; url: string; answers: AnswersByCategory }
  | { ok: false; url: string; error: string };

// The reference Worker's default address (`wrangler dev`), when nothing says otherwise.
const FALLBACK_URL = "http://127.0.0.1:8787";

export function answersBaseURL(): string {
  const fromEnv = import.meta.env.PUBLIC_ANSWERS_URL ?? process.env.PUBLIC_ANSWERS_URL;
  return (fromEnv || FALLBACK_URL).replace(/\/+$/, "");
}

// fetchAnswers never throws: a down or misbehaving API becomes {ok: false, error}.
export async function fetchAnswers(base = answersBaseURL(), timeoutMs = 3000): Promise<AnswersResult> {
  const url = `${base}/answers`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return { ok: false, url, error: `${err instanceof Error ? err.message : String(err)}${cause}` };
  }
  if (!res.ok) {
    return { ok: false, url, error: `HTTP ${res.status} ${res.statusText}` };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    return { ok: false, url, error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof body !== "object" || body === null) {
    return { ok: false, url, error: "response is not a JSON object" };
  }
  const answers = {} as AnswersByCategory;
  for (const c of CATEGORIES) {
    const list = (body as Record<string, unknown>)[c];
    answers[c] = Array.isArray(list) ? list.filter(isAnswer) : [];
  }
  return { ok: true, url, answers };
}

function isAnswer(v: unknown): v is Answer {
  if (typeof v !== "object" || v === null) return false;
  const a = v as Record<string, unknown>;
  return typeof a.id === "string" && typeof a.label === "string";
}
