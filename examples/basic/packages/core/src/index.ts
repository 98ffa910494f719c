import { slugify, sum } from '@example/utils';

declare const __GREETING__: string;

export interface Post {
  title: string;
  words: number[];
}

export function describePost(post: Post): string {
  return `${__GREETING__}: ${slugify(post.title)} (${sum(...post.words)} words)`;
}
