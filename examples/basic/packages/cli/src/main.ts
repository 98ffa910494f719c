import { describePost } from '@example/core';

console.log(describePost({ title: 'Build Systems, Explained!', words: [120, 80, 42] }));
