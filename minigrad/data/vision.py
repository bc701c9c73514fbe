"""torchvision's VisionDataset: what MNIST, CIFAR10 and friends share. Item i is
(transform(image), target_transform(target)), the image a PIL image made from the stored pixels;
the data set prints as torchvision's does."""
from PIL import Image


class VisionDataset:
    """Subclasses store their pixels and labels and say how to read item i (`_sample`)."""
    transform = target_transform = None

    def _sample(self, index):
        """(pixels as a uint8 array, target) of item `index`."""
        raise NotImplementedError

    def __getitem__(self, index):
        pixels, target = self._sample(index)
        img = Image.fromarray(pixels)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __repr__(self):
        return "\n".join([f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                          f"    Root location: {self.root}", f"    Split: {'Train' if self.train is True else 'Test'}"])
