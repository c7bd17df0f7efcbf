import { NSFWJS_MODELS, unwrapNsfwjsModel, type NsfwjsModel } from './index.ts';

const [name, out] = process.argv.slice(2);
if (!NSFWJS_MODELS.includes(name as NsfwjsModel) || !out) {
  console.error(`usage: unwrap <${NSFWJS_MODELS.join('|')}> <out-dir>`);
  process.exit(2);
}
console.log(unwrapNsfwjsModel(name as NsfwjsModel, out));
