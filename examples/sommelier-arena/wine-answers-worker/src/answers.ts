// Answers: ids, labels and request bodies, validated exactly as arena-dev's Go
// package answers does (slug.go, validate.go) so both serve the same data.

export const CATEGORIES = ["color", "country", "grape", "vintage", "wine"] as const;
export type Category = (typeof CATEGORIES)[number];

export const MAX_LABEL_CHARS = 100;
export const MAX_BODY_BYTES = 64 * 1024;
export const MIN_VINTAGE = 1900;
export const NON_VINTAGE = "NV";
const MAX_LIST_ANSWERS = 4096;

export interface Entry {
  id: string;
  label: string;
  custom: boolean;
  createdAt: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isCategory(s: string): s is Category {
  return (CATEGORIES as readonly string[]).includes(s);
}

// Latin letters that Unicode decomposition leaves alone, spelled out.
const FOLD_SPECIAL: Record<string, string> = {
  "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
  "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l",
  "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "ı": "i", "ς": "σ",
};

// slugify derives an id: NFKD, combining marks dropped, ligatures spelled out, lower
// case, and every run of non-letters/digits one hyphen, none at either end.
export function slugify(label: string): string {
  let out = "";
  let pendingHyphen = false;
  for (const ch of label.normalize("NFKD")) {
    if (/\p{Mn}/u.test(ch)) continue;
    let piece = FOLD_SPECIAL[ch] ?? "";
    if (!piece && /[\p{L}\p{Nd}]/u.test(ch)) piece = ch.toLowerCase();
    if (!piece) {
      pendingHyphen = out.length > 0;
      continue;
    }
    if (pendingHyphen) {
      out += "-";
      pendingHyphen = false;
    }
    out += piece;
  }
  return out;
}

export function validateLabel(cat: Category, raw: string, now: Date): { label: string; id: string } {
  let label = raw.trim();
  if (label === "") throw new ApiError(400, "missing_label", "label is empty");
  const n = [...label].length;
  if (n > MAX_LABEL_CHARS) {
    throw new ApiError(422, "label_too_long", `label has ${n} characters; the limit is ${MAX_LABEL_CHARS}`);
  }
  if (!label.isWellFormed() || /[\p{Cc}\uFFFD]/u.test(label)) {
    throw new ApiError(422, "invalid_label", "label contains a control or invalid character");
  }
  if (cat === "vintage") {
    const next = now.getUTCFullYear() + 1;
    if (label.toUpperCase() === NON_VINTAGE) {
      label = NON_VINTAGE;
    } else if (!/^[0-9]{4}$/.test(label) || +label < MIN_VINTAGE || +label > next) {
      throw new ApiError(422, "invalid_vintage",
        `vintage ${JSON.stringify(label)} is neither a year from ${MIN_VINTAGE} to ${next} nor "NV"`);
    }
  }
  const id = slugify(label);
  if (id === "") {
    throw new ApiError(422, "invalid_label", `label ${JSON.stringify(label)} has no letters or digits to make an id from`);
  }
  return { label, id };
}

export interface LabelRequest {
  label: string;
  custom?: boolean;
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, "invalid_json", `request body is not valid JSON: ${(e as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function labelFromFields(o: Record<string, unknown>, where: string): LabelRequest {
  if (o.label === undefined || o.label === null) {
    throw new ApiError(400, "missing_label", `${where}request has no "label"`);
  }
  if (typeof o.label !== "string") throw new ApiError(400, "missing_label", `${where}"label" must be a string`);
  const req: LabelRequest = { label: o.label };
  if (o.custom !== undefined && o.custom !== null) {
    if (typeof o.custom !== "boolean") throw new ApiError(400, "invalid_json", `${where}"custom" must be true or false`);
    req.custom = o.custom;
  }
  return req;
}

export function decodeLabelRequest(text: string): LabelRequest {
  const v = parseJSON(text);
  if (!isObject(v)) throw new ApiError(400, "invalid_json", "request body must be a JSON object");
  return labelFromFields(v, "");
}

export function decodeListRequest(text: string): LabelRequest[] {
  const v = parseJSON(text);
  if (!Array.isArray(v)) throw new ApiError(400, "invalid_json", "request body must be a JSON array of answers");
  if (v.length > MAX_LIST_ANSWERS) {
    throw new ApiError(422, "too_many_answers", `${v.length} answers in one list; the limit is ${MAX_LIST_ANSWERS}`);
  }
  return v.map((item, i) => {
    const where = `answer ${i}: `;
    if (typeof item === "string") return { label: item };
    if (!isObject(item)) throw new ApiError(400, "invalid_json", `${where}must be an object with a "label" or a string`);
    return labelFromFields(item, where);
  });
}

// decodeList parses a stored category value; anything else is corrupt data.
export function decodeList(key: string, text: string): Entry[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ApiError(500, "corrupt_data", `KV key "${key}" does not hold a JSON array of answers: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) throw new ApiError(500, "corrupt_data", `KV key "${key}" does not hold a JSON array of answers`);
  return v.map((e, i) => {
    if (!isObject(e) || typeof e.id !== "string" || !e.id || typeof e.label !== "string" || !e.label) {
      throw new ApiError(500, "corrupt_data", `KV key "${key}": entry ${i} has no id or no label`);
    }
    return { id: e.id, label: e.label, custom: e.custom === true, createdAt: String(e.createdAt ?? "") };
  });
}
