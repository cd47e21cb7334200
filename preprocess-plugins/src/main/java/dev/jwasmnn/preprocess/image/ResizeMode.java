package dev.jwasmnn.preprocess.image;

/** How an image of any size becomes the model's input size. */
public enum ResizeMode {
    /** Both sides scaled to the target, aspect ratio not kept. */
    STRETCH,
    /** Shorter side scaled to {@code resize_short}, then the centre cut out (torchvision's Resize + CenterCrop). */
    CROP,
    /** Scaled to fit inside the target, aspect ratio kept, the rest padded (YOLO style). */
    LETTERBOX
}
